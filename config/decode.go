package config

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The file is parsed by yaml.v3 into a node tree and then walked against
// a fixed schema (parse.go) instead of being decoded with KnownFields:
// the walk reports every unknown key, wrong type and bad value with its
// key path, line and column, where KnownFields stops at the first
// structural problem and names Go types in its messages.

// nodeBudget bounds the work done on one file. Aliases can make a small
// document expand a lot (a list of aliases to lists of aliases); a real
// configuration is far below this.
const nodeBudget = 200_000

// maxMergeDepth bounds nested "<<" merge keys, which may be cyclic.
const maxMergeDepth = 8

// decoder walks one document and records problems and value positions.
type decoder struct {
	file string
	errs *Errors
	at   map[string]*yaml.Node // key path -> the node the value came from
	bad  map[string]bool       // key paths already reported, not to report again
	// targetPaths[i] is the key path of Config.Targets[i]; they differ
	// when a list item was empty and skipped.
	targetPaths []string
	budget      int
	// secret, authDefined and public mark the nodes under auth (see
	// markSecrets).
	secret, authDefined, public map[*yaml.Node]bool
}

// field is one known key of a mapping and what to do with its value.
type field struct {
	key string
	set func(d *decoder, n *yaml.Node, path string)
}

// kv is one key/value pair of a mapping after merge keys are applied.
type kv struct{ key, val *yaml.Node }

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	d.bad[path] = true
	d.errs.add(d.file, line, col, path, format, args...)
}

// resolve follows aliases (an alias never points at another alias) and
// reports a null value as nil, so an empty key counts as unset.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		return nil
	}
	d.budget--
	return n
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mapping checks that n is a mapping of known keys and hands each value
// to its field. Unknown and duplicate keys are errors.
func (d *decoder) mapping(n *yaml.Node, path string, fields []field) {
	if d.budget < 0 {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping of keys, got %s", kindName(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for _, p := range d.pairs(n, path, 0) {
		key := p.key.Value
		if p.key.Kind != yaml.ScalarNode {
			d.errorf(p.key, path, "keys must be plain names")
			continue
		}
		f := findField(fields, key)
		if first, dup := seen[key]; dup {
			keyPath := join(path, key)
			if f == nil && underAuth(path) {
				keyPath = path // an unknown key under auth is not quoted, not even in the path
			}
			d.errorf(p.key, keyPath, "duplicate key (first at line %d)", first.Line)
			continue
		}
		seen[key] = p.key
		if f == nil {
			d.unknownKey(p.key, path, fields)
			continue
		}
		if v := d.resolve(p.val); v != nil && !d.borrowsSecret(p.val, v, join(path, key)) {
			f.set(d, v, join(path, key))
		}
	}
}

// pairs lists the key/value pairs of a mapping. Keys from "<<" merge
// keys come after the mapping's own keys and only where those do not
// already set the key, as in YAML's merge-key convention.
func (d *decoder) pairs(n *yaml.Node, path string, depth int) []kv {
	var own, merged []kv
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(v, path, depth)...)
			continue
		}
		own = append(own, kv{k, v})
	}
	if len(merged) == 0 {
		return own
	}
	have := map[string]bool{}
	for _, p := range own {
		have[p.key.Value] = true
	}
	for _, p := range merged {
		if !have[p.key.Value] {
			have[p.key.Value] = true
			own = append(own, p)
		}
	}
	return own
}

// merge returns the pairs a "<<" value contributes: one mapping or a
// list of them, earlier ones winning.
func (d *decoder) merge(v *yaml.Node, path string, depth int) []kv {
	v = d.resolve(v)
	if v == nil || d.budget < 0 {
		return nil
	}
	if depth >= maxMergeDepth {
		d.errorf(v, path, "merge keys (<<) nested too deeply, or an anchor merges itself")
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return d.pairs(v, path, depth+1)
	case yaml.SequenceNode:
		var out []kv
		for _, item := range v.Content {
			if d.budget < 0 {
				return nil
			}
			if m := d.resolve(item); m != nil && m.Kind == yaml.MappingNode {
				out = append(out, d.pairs(m, path, depth+1)...)
				continue
			}
			d.errorf(item, path, "a merge key (<<) takes a mapping or a list of mappings")
		}
		return out
	}
	d.errorf(v, path, "a merge key (<<) takes a mapping or a list of mappings")
	return nil
}

func findField(fields []field, key string) *field {
	for i := range fields {
		if fields[i].key == key {
			return &fields[i]
		}
	}
	return nil
}

func fieldNames(fields []field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.key
	}
	return strings.Join(names, ", ")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "a string"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!bool":
			return "true or false"
		}
		if tag := n.ShortTag(); strings.HasPrefix(tag, "!!") {
			return "a " + strings.TrimPrefix(tag, "!!") + " value"
		}
		return "a value with a custom tag" // the tag is the user's text: not quoted
	}
	return "something else"
}

// scalar checks n is a scalar and remembers where the value came from.
func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "expected %s, got %s", want, kindName(n))
		return false
	}
	return true
}

// set reports whether the key at path was given a valid value.
func (d *decoder) set(path string) bool { return d.at[path] != nil }

// seq checks n is a list and calls each for every non-null item.
func (d *decoder) seq(n *yaml.Node, path string, each func(item *yaml.Node, path string)) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "expected a list, got %s", kindName(n))
		return
	}
	d.at[path] = n
	for i, item := range n.Content {
		p := path + "[" + strconv.Itoa(i) + "]"
		if d.budget < 0 {
			return
		}
		if v := d.resolve(item); v != nil {
			if !d.borrowsSecret(item, v, p) {
				each(v, p)
			}
		} else {
			d.errorf(item, p, "empty list item")
		}
	}
}
