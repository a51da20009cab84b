module github.com/example/monorepo/service-a

go 1.23.2

replace github.com/example/monorepo/libs/logger => ../libs/logger

require github.com/example/monorepo/libs/logger v1.0.0
