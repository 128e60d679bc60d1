package main

import (
	"errors"
	"os"

	"github.com/alecthomas/kingpin/v2"

	"github.com/hss-exporter/hss_exporter/internal/flagerr"
)

// namedAsGiven makes a refused flag value in err name the environment
// variable it came from when the command line did not give the flag:
// HSS_EXPORTER_SHARD=5 in a manifest is reported as $HSS_EXPORTER_SHARD=5,
// the name the operator set and will search for.
func namedAsGiven(app *kingpin.Application, args []string, err error) error {
	var fe *flagerr.Error
	if !errors.As(err, &fe) || givenOnCommandLine(app, args, fe.Flag) {
		return err
	}
	for _, m := range app.Model().Flags {
		if m.Name == fe.Flag && m.Envar != "" && os.Getenv(m.Envar) != "" {
			fe.Envar = m.Envar
		}
	}
	return err
}

// givenOnCommandLine reports whether args set the flag name.
func givenOnCommandLine(app *kingpin.Application, args []string, name string) bool {
	ctx, err := app.ParseContext(args)
	if err != nil {
		return false
	}
	for _, el := range ctx.Elements {
		if flag, ok := el.Clause.(*kingpin.FlagClause); ok && flag.Model().Name == name {
			return true
		}
	}
	return false
}
