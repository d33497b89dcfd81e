package dst

import (
	"fmt"
	"os"
	"path/filepath"
)

// checkOutputPath finds, before the first seed runs, why an output file
// named by a flag could not be written at the end: its directory is
// missing or not writable, or the path is a directory. A sweep of an
// hour must not end in "cannot write the report". "" is no file.
func checkOutputPath(flagName, path string) error {
	if path == "" {
		return nil
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return usagef("--%s %s: is a directory", flagName, path)
	}
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		return usagef("--%s %s: directory %s does not exist", flagName, path, dir)
	case err != nil:
		return usagef("--%s %s: %v", flagName, path, err)
	case !info.IsDir():
		return usagef("--%s %s: %s is not a directory", flagName, path, dir)
	}
	probe, err := os.CreateTemp(dir, ".dst-write-check-*")
	if err != nil {
		return usagef("--%s %s: cannot write in %s: %v", flagName, path, dir, unwrapPath(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// unwrapPath drops the probe file's name from an error about it.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("%v", pe.Err)
	}
	return err
}
