// Command task runs the tasks of a Taskfile.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"
)

func main() {
	list := pflag.BoolP("list", "l", false, "list tasks")
	pflag.Parse()
	if *list {
		fmt.Println("build\ntest")
		return
	}
	os.Exit(run(pflag.Args()))
}

func run(args []string) int {
	fmt.Println("running", args)
	return 0
}
