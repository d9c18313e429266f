// Package corpus holds wudiag's labelled scenarios and the generator that
// writes them as the files Windows would have written: event logs (real
// BinXML), CBS.log, dism.log, WindowsUpdate.log and the secondary logs,
// in English or Japanese, with the noise a real machine adds.
//
// Scenarios (scenarios/*.yaml, embedded) are listed by Scenarios and
// found by Lookup; each names the machine, a timeline of events and the
// expected failures and causes (wudiag's cause IDs), which the
// accuracy harness in the tests checks. Scenario.Materialize writes a
// scenario's bundle into a folder, laid out as on the machine (the event
// logs are the channels of internal/collect, at their files); WriteZip
// packs a folder as a zip. The example bundles in corpus/examples are
// generated here and checked byte for byte.
//
// The package does not depend on the classifier: the tests that analyze
// the bundles are in package corpus_test.
package corpus
