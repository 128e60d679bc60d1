// Command deploycheck is what CI runs on the deployment files where the
// real tools cannot run here: every Kubernetes object the Helm chart and
// the kustomizations render is decoded strictly against the Kubernetes and
// prometheus-operator Go types, and the compose file is loaded as docker
// compose loads it.
//
//	helm template ... | deploycheck -name chart -       # a rendered stream
//	deploycheck -kustomize deploy/kubernetes             # kustomize build, then decode
//	deploycheck -compose deploy/compose/docker-compose.yml
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// list is a repeatable flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var kustomizations, composeFiles list
	name := flag.String("name", "stdin", "what the stream on standard input is, for messages")
	flag.Var(&kustomizations, "kustomize", "render this kustomization and decode its objects (repeatable)")
	flag.Var(&composeFiles, "compose", "load this compose file as docker compose does (repeatable)")
	flag.Parse()
	if err := run(os.Stdout, *name, flag.Args(), kustomizations, composeFiles); err != nil {
		fmt.Fprintln(os.Stderr, "deploycheck:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, stdinName string, files, kustomizations, composeFiles []string) error {
	var errs []error
	report := func(source string, objects []string, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		fmt.Fprintf(out, "deploycheck: %s: %d objects decoded strictly: %s\n", source, len(objects), strings.Join(objects, ", "))
	}
	for _, f := range files {
		if f == "-" {
			objects, err := decodeStream(stdinName, os.Stdin)
			report(stdinName, objects, err)
			continue
		}
		r, err := os.Open(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objects, err := decodeStream(f, r)
		r.Close()
		report(f, objects, err)
	}
	for _, dir := range kustomizations {
		objects, err := kustomize(dir)
		report("kustomize "+dir, objects, err)
	}
	for _, f := range composeFiles {
		if err := loadCompose(context.Background(), f); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		fmt.Fprintf(out, "deploycheck: %s: loads as docker compose loads it\n", f)
	}
	if len(files)+len(kustomizations)+len(composeFiles) == 0 {
		errs = append(errs, errors.New("nothing to check: give files, - for standard input, -kustomize or -compose"))
	}
	return errors.Join(errs...)
}
