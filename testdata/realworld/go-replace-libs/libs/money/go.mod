module github.com/example/shop/libs/money

go 1.22
