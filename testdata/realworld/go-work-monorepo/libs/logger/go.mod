module github.com/example/monorepo/libs/logger

go 1.23.2
