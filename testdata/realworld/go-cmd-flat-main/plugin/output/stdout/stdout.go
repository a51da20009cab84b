// Package stdout is an output plugin that prints events.
package stdout

import "fmt"

// Out prints one event.
func Out(event string) { fmt.Println(event) }
