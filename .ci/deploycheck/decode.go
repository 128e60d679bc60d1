package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kinds are the object types the deployment files may hold, by
// apiVersion and kind. Anything else is an error: a new kind is added here
// with its Go type, so it is decoded strictly too.
var kinds = map[string]func() any{
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                               func() any { return &corev1.Secret{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"v1/PersistentVolumeClaim":                func() any { return &corev1.PersistentVolumeClaim{} },
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                     func() any { return &appsv1.StatefulSet{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &monitoringv1.ServiceMonitor{} },
	"monitoring.coreos.com/v1/PodMonitor":     func() any { return &monitoringv1.PodMonitor{} },
	"monitoring.coreos.com/v1/PrometheusRule": func() any { return &monitoringv1.PrometheusRule{} },
}

// decodeStream decodes every document of a YAML stream strictly: a field
// the API type does not have, or a key given twice, is an error, as
// `kubectl apply --validate=strict` would make it on a server. It returns
// "Kind/name" of each object.
func decodeStream(source string, r io.Reader) ([]string, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var objects []string
	var errs []error
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return objects, fmt.Errorf("%s: document %d: %w", source, i, err)
		}
		if empty(doc) {
			continue
		}
		name, err := decodeObject(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: document %d (%s): %w", source, i, name, err))
			continue
		}
		objects = append(objects, name)
	}
	if len(objects) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s: no object", source))
	}
	return objects, errors.Join(errs...)
}

// decodeObject decodes one document into its API type.
func decodeObject(doc []byte) (string, error) {
	var head struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return "?", err
	}
	name := head.Kind + "/" + head.Metadata.Name
	newObject, ok := kinds[head.APIVersion+"/"+head.Kind]
	if !ok {
		return name, fmt.Errorf("apiVersion %q kind %q is not one deploycheck knows; add its Go type to kinds", head.APIVersion, head.Kind)
	}
	if head.Metadata.Name == "" {
		return name, errors.New("metadata.name is empty")
	}
	// YAML to JSON refusing a key given twice, then JSON into the type as
	// the API server decodes it: field names case-sensitive, and every
	// field the type lacks reported with its path.
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return name, err
	}
	obj := newObject()
	strict, err := sigsjson.UnmarshalStrict(data, obj)
	if err != nil {
		return name, err
	}
	return name, errors.Join(append(strict, checkSecretValues(obj))...)
}

// empty reports whether a document holds only comments and blank lines
// (helm template writes a "# Source:" line even for a template that
// rendered nothing).
func empty(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if s := strings.TrimSpace(string(line)); s != "" && s != "---" && !strings.HasPrefix(s, "#") {
			return false
		}
	}
	return true
}
