package config

import (
	"math"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// Leaf fields. Strings take any scalar as written, so `version: 1.10`
// stays "1.10" rather than becoming a float.

func strField(key string, dst *string) field {
	return field{key, func(d *decoder, n *yaml.Node, path string) {
		if d.scalar(n, path, "a string") {
			*dst, d.at[path] = n.Value, n
		}
	}}
}

// secretField never echoes the value, even when it has the wrong shape.
func secretField(key string, dst *Secret) field {
	return field{key, func(d *decoder, n *yaml.Node, path string) {
		if d.scalar(n, path, "a string") {
			*dst, d.at[path] = Secret(n.Value), n
		}
	}}
}

func boolField(key string, dst *bool) field {
	return field{key, func(d *decoder, n *yaml.Node, path string) {
		if !d.scalar(n, path, "true or false") {
			return
		}
		if n.Decode(dst) != nil {
			d.errorf(n, path, "expected true or false, got %s", d.shown(n, path))
			return
		}
		d.at[path] = n
	}}
}

func intField(key string, dst *int) field {
	return field{key, func(d *decoder, n *yaml.Node, path string) {
		if !d.scalar(n, path, "an integer") {
			return
		}
		// yaml.v3 would truncate 1.5 to 1; only a plain integer will do.
		if n.ShortTag() != "!!int" || n.Decode(dst) != nil {
			d.errorf(n, path, "expected an integer, got %s", d.shown(n, path))
			return
		}
		d.at[path] = n
	}}
}

func floatField(key string, dst *float64) field {
	return field{key, func(d *decoder, n *yaml.Node, path string) {
		if !d.scalar(n, path, "a number") {
			return
		}
		if n.Decode(dst) != nil || math.IsNaN(*dst) || math.IsInf(*dst, 0) {
			*dst = 0
			d.errorf(n, path, "expected a finite number, got %s", d.shown(n, path))
			return
		}
		d.at[path] = n
	}}
}

func durField(key string, dst *time.Duration) field {
	return field{key, func(d *decoder, n *yaml.Node, path string) {
		if !d.scalar(n, path, "a duration") {
			return
		}
		v, err := parseDuration(n.Value)
		if err != nil {
			d.errorf(n, path, "%s is not a duration; use a number with a unit, e.g. 30s, 5m, 1h30m or 1d", d.shown(n, path))
			return
		}
		*dst, d.at[path] = v, n
	}}
}

// parseDuration accepts Go durations ("1h30m", "1.5h", "500ms") and,
// failing that, Prometheus durations, which add d, w and y ("1d",
// "1w2d"). A bare number other than 0 is rejected: "300" could mean
// seconds or nanoseconds.
func parseDuration(s string) (time.Duration, error) {
	if v, err := time.ParseDuration(s); err == nil {
		return v, nil
	}
	v, err := model.ParseDuration(s)
	return time.Duration(v), err
}
