// Package pipeline wires inputs, actions and outputs.
package pipeline

//go:generate go run gen.go

// Run starts the pipeline described by the configuration file.
func Run(config string) error {
	_ = config
	return nil
}
