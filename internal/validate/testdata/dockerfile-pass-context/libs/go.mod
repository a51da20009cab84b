module example.com/shop/libs

go 1.25
