// Package docs holds cdcsim's documents and the test that keeps the
// repository's references to them honest. It has no code of its own.
//
// # The documents
//
//   - PROTOCOL.md: the specification of the modelled system, TiCDC's
//     dispatcher session lifecycle at commit b813e76f9, with the names,
//     transitions (T1-T10), invariants (I1-I13), known bugs (F1-F4),
//     hazards (H1, H3, H4, H5) and timing constants the model keeps.
//   - DESIGN.md: the architecture of the repository as built, the
//     determinism rules for code that runs inside the simulator (its last
//     section), and which parts of the design are still planned.
//   - README.md: an index of both.
//
// Code comments cite these documents by bare name: "PROTOCOL.md 3.1 T8"
// means section 3.1 of docs/PROTOCOL.md, transition T8; "DESIGN.md,
// "The model"" means the section of docs/DESIGN.md whose heading starts
// with "The model".
//
// # What the test checks
//
// TestCitationsResolve walks every .go and .md file of the module (not
// hidden directories, not testdata) and reads each citation that follows
// "PROTOCOL.md", also when a Go comment wraps it onto the next line:
//
//   - a section number (3, 3.1) must be the number of a heading of
//     docs/PROTOCOL.md;
//   - a named item after it (T5', I9, F1-F4, H3) must be defined in the
//     document (a row of a table, or a bold "**I9." paragraph) and be
//     mentioned in the cited section's text;
//   - "step N", "race N" and "window N" must be an item of a numbered
//     list in the cited section, and a lone flow letter ("3.2 f") must be
//     a "(f)" paragraph of it.
//
// A citation of DESIGN.md by name (DESIGN.md, "The model") must name the
// start of a heading of docs/DESIGN.md, and
// TestDesignEndsWithDeterminismRules pins the one citation by position
// ("DESIGN.md, last section"). TestMarkdownLinks checks that every relative link of every .md file names a file or
// directory that exists, and that its #anchor, if any, is a heading of
// the target as GitHub renders anchors. TestReadmeGoSnippetsAreCode
// checks that every ```go block of README.md is copied from a .go file
// of the repository (its code lines, in order) that the README names, so
// the README shows code that compiles and runs under go test.
//
// The parser is deliberately narrow: prose after a citation ends it at
// the first ")", ":", ";", quote, backtick or full stop, and a number in
// running prose after other words is not read as a section. A citation
// it cannot read is passed over, never guessed; -v prints every citation
// read.
package docs
