// Command devops-lead is a DevOps lead for a repository: it plans DevOps work
// from an issue and has specialist modes produce validated changes.
package main

import (
	"os"

	"github.com/devops-lead/devops-lead/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
