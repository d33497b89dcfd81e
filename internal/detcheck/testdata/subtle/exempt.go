// A file-allow exempts its own file only.

//dst:file-allow go-statement: the exemption covers this file only
package subtle

func exempt(f func()) {
	go f()
}
