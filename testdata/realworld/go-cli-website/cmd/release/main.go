// Command release bumps the version and writes the changelog (maintainers only).
package main

import "fmt"

func main() { fmt.Println("release notes") }
