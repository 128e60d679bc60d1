package config

import _ "embed"

//go:embed example.yml
var example string

// Example returns a complete, documented configuration file that
// validates as it stands, using the credentials of the built-in demo
// server. `hss_exporter --config.check` documentation and the README
// point at it (config/example.yml).
func Example() string { return example }
