module github.com/example/runner/v3

go 1.23.4

require github.com/spf13/pflag v1.0.5
