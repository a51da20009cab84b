// Package root builds the command tree.
package root

import (
	"os"

	"github.com/spf13/cobra"
)

// New returns the root command.
func New() *cobra.Command {
	cmd := &cobra.Command{Use: "gh", Short: "Work with the hub from the command line"}
	cmd.PersistentFlags().String("host", os.Getenv("GH_HOST"), "host to talk to")
	return cmd
}
