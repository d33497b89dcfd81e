package chunk

// Of carves values and slices of T from chunks of Size elements (a
// default of 256 when Size is 0). The zero value is ready to use.
type Of[T any] struct {
	Size int
	free []T // the unused tail of the current chunk
}

const defaultSize = 256

func (c *Of[T]) size() int {
	if c.Size > 0 {
		return c.Size
	}
	return defaultSize
}

// New returns a pointer to a zero T carved from the current chunk.
func (c *Of[T]) New() *T {
	if len(c.free) == 0 {
		c.free = make([]T, c.size())
	}
	v := &c.free[0]
	c.free = c.free[1:]
	return v
}

// Make returns a zeroed slice of n elements, capped at n. A request of
// more than a quarter of a chunk gets its own array, so a large one does
// not waste the rest of the current chunk.
func (c *Of[T]) Make(n int) []T {
	if n <= 0 {
		return nil
	}
	if n > c.size()/4 {
		return make([]T, n)
	}
	if n > len(c.free) {
		c.free = make([]T, c.size())
	}
	s := c.free[:n:n]
	c.free = c.free[n:]
	return s
}

// Clone returns a copy of s carved from the chunk (nil for an empty s).
func (c *Of[T]) Clone(s []T) []T {
	out := c.Make(len(s))
	copy(out, s)
	return out
}
