// Package corpus holds wudiag's labelled scenarios and the generator that
// writes them as the files Windows would have written: event logs (real
// BinXML), CBS.log, dism.log, WindowsUpdate.log and the secondary logs,
// in English or Japanese, with the noise a real machine adds.
//
// Scenarios (scenarios/*.yaml, embedded) are listed by Scenarios and
// found by Lookup; each names the machine, a timeline of events and the
// expected failures and causes, which the accuracy harness in the tests
// checks. WriteZip packs a generated bundle. The example bundles in
// corpus/examples are generated from it and checked byte for byte.
package corpus
