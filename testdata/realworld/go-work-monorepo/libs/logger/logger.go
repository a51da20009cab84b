// Package logger is the shared log helper of the services.
package logger

import "log"

// Info logs one line.
func Info(msg string) { log.Println("INFO", msg) }
