package dst

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/variant"
)

// cmdList prints what a sweep can select: the workloads of the package
// (found with -sim.describe, with their own seed counts), the bug and
// patch variants, and the configuration keys with their defaults.
func cmdList(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dst list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pkg := fs.String("pkg", DefaultPkg, "the workloads package")
	cache := fs.String("cache", "", "where built test binaries go")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	bin, err := Build(*pkg, *cache, stderr)
	if err != nil {
		return err
	}
	ws, err := Discover(bin, stderr)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "workloads of %s (--workload REGEX):\n", *pkg)
	for _, w := range ws {
		note := ""
		if w.IsExample() {
			note = " (an example: swept only when --workload selects it)"
		}
		fmt.Fprintf(tw, "  %s\t%d seeds by default%s\n", w.Name, w.Seeds, note)
	}
	fmt.Fprintln(tw, "\nbug variants (--bug NAME):")
	for _, v := range variant.Bugs() {
		fmt.Fprintf(tw, "  %s\t%s\n", v.Name, v.Doc)
	}
	fmt.Fprintln(tw, "\npatch variants (--patch NAME; the workloads of ./workloads turn on h1,h3,h4,h5, --patch '' is HEAD):")
	for _, v := range variant.Patches() {
		fmt.Fprintf(tw, "  %s\t%s\n", v.Name, v.Doc)
	}
	fmt.Fprintln(tw, "\nconfiguration keys (--set key=value), with their defaults before each seed's swarm draw:")
	def := sim.DefaultConfig(0)
	for _, k := range sim.Keys() {
		v, _ := def.Get(k)
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", k, v, sim.KeyDoc(k))
	}
	return tw.Flush()
}
