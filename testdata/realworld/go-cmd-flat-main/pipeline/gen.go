//go:build ignore

// gen writes the plugin table; run with go generate, never built.
package main

func main() {}
