module github.com/example/ident

go 1.21
