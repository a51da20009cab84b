// Command gen-docs writes the command-line reference into docs/.
package main

import "fmt"

func main() { fmt.Println("# metricsd flags") }
