// Package publish takes a run's result out of the engine without touching
// GitHub: Git writes one local branch per finished task with git plumbing
// (never the user's working tree, index or current branch), and Dir writes
// the files into an output directory for people to inspect or copy.
package publish
