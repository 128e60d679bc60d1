package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Any value under an auth block may be a secret: a key pasted into the
// wrong field, a password typed into password_file. No error quotes such a
// value, wherever the message comes from, nor any value an anchor shares
// with one; the operator gets the key path and the line instead.

// hiddenValue stands for a value a message does not quote.
const hiddenValue = "the value (not shown: values under auth may be secrets)"

// minScrubbed is the shortest value cut from messages after the fact: a
// shorter one (true, 0) would cut ordinary words.
const minScrubbed = 6

// markSecrets records every node that is the value of an auth key or lies
// under one, following aliases and merge keys: secret holds every such
// node, authDefined those whose first appearance in the document (where an
// anchor defines them) is under auth.
func (d *decoder) markSecrets(root *yaml.Node) {
	d.secret, d.authDefined, d.public = map[*yaml.Node]bool{}, map[*yaml.Node]bool{}, map[*yaml.Node]bool{}
	type visit struct {
		n     *yaml.Node
		under bool
	}
	seen := map[visit]bool{}
	var walk func(n *yaml.Node, under bool)
	walk = func(n *yaml.Node, under bool) {
		if n == nil || seen[visit{n, under}] {
			return
		}
		if !seen[visit{n, !under}] && under {
			d.authDefined[n] = true // a node is defined before any alias to it
		}
		seen[visit{n, under}] = true
		if under {
			d.secret[n] = true
		}
		switch n.Kind {
		case yaml.AliasNode:
			walk(n.Alias, under)
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if under && publicAuthKeys[k.Value] {
					d.public[v] = true
				}
				walk(v, under || (k.Kind == yaml.ScalarNode && k.Value == "auth"))
			}
		default:
			for _, c := range n.Content {
				walk(c, under)
			}
		}
	}
	walk(root, false)
}

// underAuth reports whether a key path is inside an auth block.
func underAuth(path string) bool {
	for _, part := range strings.Split(path, ".") {
		if part == "auth" {
			return true
		}
	}
	return false
}

// shown quotes the value of n for a message at path, unless it may be a
// secret.
func (d *decoder) shown(n *yaml.Node, path string) string {
	if n == nil || underAuth(path) || d.secret[n] {
		return hiddenValue
	}
	return quote(n.Value)
}

// borrowsSecret reports, and says, that the value v of a key outside auth
// comes from an anchor under auth: a secret would end up in a label, a log
// line or a message.
func (d *decoder) borrowsSecret(at, v *yaml.Node, path string) bool {
	if !d.authDefined[v] || underAuth(path) {
		return false
	}
	d.errorf(at, path, "takes its value from an anchor under auth; values under auth may be secrets and are used nowhere else")
	return true
}

// unknownKey reports a key no field takes. Under auth the key itself is
// not quoted (a pasted secret ends up there with a colon after it); the
// nearest known key is suggested instead.
func (d *decoder) unknownKey(key *yaml.Node, path string, fields []field) {
	if !underAuth(path) {
		d.errorf(key, path, "unknown key %s (known keys: %s)", quote(key.Value), fieldNames(fields))
		return
	}
	hint := ""
	if near := nearestKey(key.Value, fields); near != "" {
		hint = "; did you mean " + near + "?"
	}
	d.errorf(key, path, "unknown key (not shown: values under auth may be secrets)%s (known keys: %s)", hint, fieldNames(fields))
}

// nearestKey returns the known key that key begins (the shortest), or
// else one within two edits of it, if one is.
func nearestKey(key string, fields []field) string {
	best, bestDist := "", 3
	for _, f := range fields {
		if key != "" && strings.HasPrefix(f.key, key) && (best == "" || bestDist > 0 || len(f.key) < len(best)) {
			best, bestDist = f.key, 0
		}
	}
	if best != "" {
		return best
	}
	for _, f := range fields {
		if dist := editDistance(key, f.key); dist < bestDist {
			best, bestDist = f.key, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes; keys are
// short, and a long a is no typo of any.
func editDistance(a, b string) int {
	if len(a) > 64 {
		return len(a)
	}
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// publicAuthKeys hold no secret and values that messages give as examples
// (endpoint.Metadata): scrub leaves them alone, though no message
// quotes them either.
var publicAuthKeys = map[string]bool{"metadata": true, "metadata_endpoint": true, "endpoint": true}

// scrub cuts every value under auth out of the messages, in case a
// message quoted one by a way not foreseen above.
func (d *decoder) scrub() {
	var values []string
	for n := range d.secret {
		if n.Kind == yaml.ScalarNode && len(n.Value) >= minScrubbed && !d.public[n] {
			values = append(values, n.Value)
		}
	}
	if len(values) == 0 {
		return
	}
	for _, e := range d.errs.List {
		for _, v := range values {
			e.Msg = strings.ReplaceAll(e.Msg, v, "<hidden>")
			e.Path = strings.ReplaceAll(e.Path, v, "<hidden>")
		}
	}
}
