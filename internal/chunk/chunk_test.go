package chunk

import "testing"

func TestMakeIsCappedAndDisjoint(t *testing.T) {
	var c Of[int]
	a, b := c.Make(3), c.Make(2)
	if len(a) != 3 || cap(a) != 3 || len(b) != 2 || cap(b) != 2 {
		t.Fatalf("len/cap a=%d/%d b=%d/%d, want 3/3 2/2", len(a), cap(a), len(b), cap(b))
	}
	a[2], b[0] = 7, 9
	a = append(a, 1) // must reallocate, not write into b
	if b[0] != 9 || a[2] != 7 || a[3] != 1 {
		t.Fatalf("append to a carved slice wrote into its neighbour: a=%v b=%v", a, b)
	}
}

func TestNewAndMakeReturnZeroedValues(t *testing.T) {
	c := Of[int]{Size: 8}
	for i := range 40 {
		p := c.New()
		if *p != 0 {
			t.Fatalf("New %d gave %d, want 0", i, *p)
		}
		*p = i + 1
		s := c.Make(i%3 + 1)
		for _, v := range s {
			if v != 0 {
				t.Fatalf("Make %d gave %v, want zeros", i, s)
			}
		}
		for j := range s {
			s[j] = -1
		}
	}
}

func TestCloneCopiesAndLargeRequestsStandAlone(t *testing.T) {
	c := Of[int]{Size: 8}
	src := []int{1, 2, 3}
	cl := c.Clone(src)
	src[0] = 100
	if cl[0] != 1 || len(cl) != 3 {
		t.Fatalf("Clone = %v, want an independent [1 2 3]", cl)
	}
	if c.Clone(nil) != nil {
		t.Fatal("Clone(nil) is not nil")
	}
	free := len(c.free)
	big := c.Make(5) // more than a quarter of a chunk of 8
	if len(big) != 5 || len(c.free) != free {
		t.Fatalf("a large Make took from the chunk: len %d, free %d -> %d", len(big), free, len(c.free))
	}
}

func TestCarvingAllocatesOncePerChunk(t *testing.T) {
	c := Of[[2]uint64]{Size: 1024}
	c.New() // the first chunk
	allocs := testing.AllocsPerRun(100, func() {
		for range 10 {
			c.New()
			c.Make(3)
		}
	})
	// 100 runs of 40 elements is 4,000 elements: about 4 chunks.
	if allocs > 0.1 {
		t.Fatalf("%.2f allocations per run of 10 News and 10 Makes, want about 0.04", allocs)
	}
}
