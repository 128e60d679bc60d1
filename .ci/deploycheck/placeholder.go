package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// placeholder matches what example files put where a credential belongs
// (deploy/secrets_test.go holds the same pattern). A Secret rendered with
// one would overwrite the user's real key on apply, and HSS locks a key
// after five failed authentications.
var placeholder = regexp.MustCompile(`(?i)replace[_-]?(with|me)|change[_-]?me|placeholder|your[_-]?(access|secret|key|password|token)|^<.*>$|^x{4,}$|^(todo|fixme|secret|password)$`)

// checkSecretValues refuses a Secret any of whose values is a placeholder,
// naming the keys (never the values).
func checkSecretValues(obj any) error {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return nil
	}
	var keys []string
	for k, v := range s.Data {
		if placeholder.MatchString(strings.TrimSpace(string(v))) {
			keys = append(keys, "data."+k)
		}
	}
	for k, v := range s.StringData {
		if placeholder.MatchString(strings.TrimSpace(v)) {
			keys = append(keys, "stringData."+k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Strings(keys)
	return fmt.Errorf("holds a placeholder in %s: applied, it would overwrite the real credentials; leave the Secret out and let the user create it", strings.Join(keys, ", "))
}
