// Package persian formats numbers, clocks and Jalali dates in Persian for the bot's messages and
// parses what users type back (any digit script, Arabic letter variants, ZWNJ quirks).
package persian
