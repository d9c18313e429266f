// Package evtx reads Windows event logs as normalized events: binary
// .evtx files (including dirty and damaged ones, and, on request, deleted
// records left in slack space) and the forms people export them in —
// Event Viewer XML, Event Viewer "Save as text" and copy-paste in English
// and Japanese, wevtutil /f:text, PowerShell Format-List, and Event
// Viewer and PowerShell CSV.
//
// A Reader (NewReader, Open) returns events one at a time, Scanner-style
// with Next and Event, or as an iterator with All. Every Event carries
// its provider, event ID, level, time, record ID, computer and channel,
// and its data as positional, named values; BinXML value arrays are
// expanded into one value per element, as Event Viewer shows them.
//
// Hostile input is expected: every reader bounds nesting, token and event
// size (Options), reports a damaged record or event with its offset and
// goes on with the next, and checks the context on long reads. Sniff
// tells which form a file's first bytes are in.
package evtx
