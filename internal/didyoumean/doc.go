// Package didyoumean picks the option a user most likely meant when a word
// they typed is not one of the options: a misspelt flag, command or
// scenario name. It only suggests; callers still refuse the word.
//
// It is not a fuzzy search: a word more than two edits from every option
// gets no suggestion, so a suggestion is never a guess at something else.
//
// Files: didyoumean.go.
package didyoumean
