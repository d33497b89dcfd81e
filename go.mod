module github.com/cdcsim/cdcsim

go 1.26
