package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  selector:
    matchLabels: {app: x}
  template:
    metadata:
      labels: {app: x}
    spec:
      containers:
        - name: x
          image: x
`

func TestDecodeStreamIsStrict(t *testing.T) {
	tests := []struct {
		name, stream, wantErr string
	}{
		{"good", "# Source: a\n---\n" + goodDeployment + "---\n# Source: empty\n", ""},
		{"unknown field", strings.Replace(goodDeployment, "  selector:", "  replica: 2\n  selector:", 1), `unknown field "spec.replica"`},
		{"misplaced field", strings.Replace(goodDeployment, "          image: x", "          image: x\n          resources: {limit: {memory: 1Gi}}", 1), `unknown field "spec.template.spec.containers[0].resources.limit"`},
		{"field name in the wrong case", strings.Replace(goodDeployment, "  selector:", "  Replicas: 2\n  selector:", 1), `unknown field "spec.Replicas"`},
		{"duplicate key", strings.Replace(goodDeployment, "  name: x", "  name: x\n  name: y", 1), `key "name" already set`},
		{"wrong type", strings.Replace(goodDeployment, "  selector:", "  replicas: two\n  selector:", 1), "replicas"},
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", `kind "Pod" is not one deploycheck knows`},
		{"operator type", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x}\nspec:\n  selector: {}\n  endpoints: [{port: m, interval: 30s, relabeling: []}]\n", `unknown field "spec.endpoints[0].relabeling"`},
		{"no name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "metadata.name is empty"},
		{"nothing", "# Source: only comments\n", "no object"},
		{"a real secret", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {secret_key: 8mQkz3V0pX2rT7yL1nB4cD6f}\n", ""},
		{"placeholder secret", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {secret_key: REPLACE_WITH_SECRET_ACCESS_KEY}\n", "placeholder in stringData.secret_key"},
		{"placeholder secret data", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata: {password: Y2hhbmdlbWUK}\n", "placeholder in data.password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeStream("test", strings.NewReader(tt.stream))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadComposeRejectsWhatDockerComposeRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "compose.yml")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := loadCompose(context.Background(), write("name: x\nservices:\n  a:\n    image: busybox\n    ports: [\"127.0.0.1:80:80\"]\n")); err != nil {
		t.Fatalf("a good file: %v", err)
	}
	for _, bad := range []string{
		"name: x\nservices:\n  a:\n    image: busybox\n    imagee: typo\n",
		"name: x\nservices:\n  a:\n    image: busybox\n    depends_on: [b]\n",
		"name: x\nservices:\n  a:\n    image: busybox\n    volumes: [\"data:/data\"]\n",
	} {
		if err := loadCompose(context.Background(), write(bad)); err == nil {
			t.Errorf("accepted:\n%s", bad)
		}
	}
}
