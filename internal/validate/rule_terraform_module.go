package validate

import (
	"path"
	"regexp"
	"strings"
)

// tfUsesProviderRe finds a block that uses a provider directly: a
// resource, a data source, an ephemeral resource or a provider block.
var tfUsesProviderRe = regexp.MustCompile(`(?m)^\s*(?:resource|data|ephemeral|provider)\s+"`)

// checkTerraformInModule is checkTerraform for a file seen with its
// repository: a module whose .tf files use no provider themselves (it
// only calls other modules, which declare their own) needs no
// required_providers, so a versions.tf there is not told to add one.
func checkTerraformInModule(p string, content []byte, opts Options) []Finding {
	out := checkTerraform(p, content)
	wp, ok := joinInside(opts.Base, p)
	if !ok || tfModuleUsesProviders(newRepoView(opts.Workspace, opts.overlay), path.Dir(wp), wp, content) {
		return out
	}
	kept := out[:0]
	for _, f := range out {
		// Only a terraform block without required_providers; a versions.tf
		// with no terraform block at all is still told to add one.
		if f.Rule == ruleTFRequiredProviders.ID && f.Message == "the terraform block has no required_providers" {
			continue
		}
		kept = append(kept, f)
	}
	return kept
}

// tfModuleUsesProviders reports whether a .tf file of the module in dir
// (the file wp itself read from content) has a resource, data or
// provider block.
func tfModuleUsesProviders(repo repoView, dir, wp string, content []byte) bool {
	if tfUsesProviderRe.Match(content) {
		return true
	}
	for _, name := range repo.list(dir) {
		f := path.Join(dir, name)
		if f == wp || !strings.HasSuffix(name, ".tf") {
			continue
		}
		if data, ok := repo.readFile(f); ok && tfUsesProviderRe.Match(data) {
			return true
		}
	}
	return false
}
