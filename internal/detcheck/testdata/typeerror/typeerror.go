// Package typeerror does not type-check; detcheck must say so and still
// apply the other rules to what it could check.
package typeerror

func broken() int {
	return undefined + 1
}

func spawn(f func()) {
	go f()
}
