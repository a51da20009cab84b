// Command sleepit is a helper the tests run to check signal handling.
package main

import "time"

func main() { time.Sleep(time.Second) }
