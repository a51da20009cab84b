module github.com/example/hubcli/v2

go 1.22.5

toolchain go1.22.6

require (
	github.com/spf13/cobra v1.8.0
	github.com/cpuguy83/go-md2man/v2 v2.0.3
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
	go.mongodb.org/mongo-driver v1.14.0 // indirect
)
