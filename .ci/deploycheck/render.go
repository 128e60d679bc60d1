package main

import (
	"bytes"
	"context"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kustomize renders a kustomization as `kubectl kustomize` does (kubectl
// embeds this library) and decodes what it renders.
func kustomize(dir string) ([]string, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, err
	}
	data, err := resources.AsYaml()
	if err != nil {
		return nil, err
	}
	return decodeStream("kustomize "+dir, bytes.NewReader(data))
}

// loadCompose loads a compose file with compose-go, the library `docker
// compose config` validates with: the schema, then the model (unknown
// keys, bad ports, missing volumes, bad references between services).
// It needs no Docker engine.
func loadCompose(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	opts, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithConsistency(true),
	)
	if err != nil {
		return err
	}
	_, err = opts.LoadProject(ctx)
	return err
}
