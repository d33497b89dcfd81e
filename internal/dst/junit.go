package dst

import (
	"encoding/xml"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// JUnit XML, the subset CI systems read: one testsuite per workload,
// one passing testcase standing for all its passing seeds (a testcase
// per passing seed would make a nightly report of 100,000 seeds
// unreadable in a CI's UI), and one testcase per failing seed whose
// failure body holds the report and the replay line.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

// WriteJUnit writes the stats as a JUnit XML report.
func WriteJUnit(path string, h *Header, s *Stats, resultsPath string) error {
	var out junitSuites
	for _, w := range slices.Sorted(maps.Keys(s.byWorkload)) {
		ws := s.byWorkload[w]
		suite := junitSuite{Name: w, Failures: ws.Seeds - ws.Passed, Time: seconds(ws.Wall.Seconds())}
		if ws.Passed > 0 {
			suite.Cases = append(suite.Cases, junitCase{Name: fmt.Sprintf("%d passing seeds", ws.Passed), Classname: w, Time: suite.Time})
		}
		for _, f := range s.Failures {
			if f.Test != w {
				continue
			}
			body := fmt.Sprintf("%s\nreplay: %s\n   or: %s\n", strings.TrimRight(firstNonEmpty(f.Report, f.Message), "\n"),
				ReplayLine(recordHeader(h, &f), f.Test, f.Seed, resultsPath), GoTestLine(recordHeader(h, &f), f.Test, f.Seed))
			suite.Cases = append(suite.Cases, junitCase{Name: fmt.Sprintf("seed %d", f.Seed), Classname: w,
				Time: seconds(float64(f.WallNS) / 1e9), Failure: &junitFailure{Message: firstLine(f.Message), Type: f.Kind, Body: body}})
		}
		suite.Tests = len(suite.Cases)
		out.Suites = append(out.Suites, suite)
	}
	data, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), append(data, '\n')...), 0o644)
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
