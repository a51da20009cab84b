module github.com/example/metricsd

go 1.23.0

toolchain go1.23.4

require (
	github.com/alecthomas/kingpin/v2 v2.4.0
	github.com/prometheus/client_golang v1.20.5
)
