module github.com/example/logship

go 1.18
