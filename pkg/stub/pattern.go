package stub

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
)

// fromPattern returns a string the regular expression matches, walking its
// syntax tree with small repeat counts. ok is false when the pattern does
// not parse as Go syntax or the result does not match (a lookaround, say).
func fromPattern(pattern string, rng *rand.Rand) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	emit(&b, re.Simplify(), rng)
	out := b.String()
	m, err := regexp.Compile(pattern)
	if err != nil || !m.MatchString(out) {
		return "", false
	}
	return out, true
}

func emit(b *strings.Builder, re *syntax.Regexp, rng *rand.Rand) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(fromClass(re.Rune, rng))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('a')
	case syntax.OpCapture:
		emit(b, re.Sub[0], rng)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			emit(b, s, rng)
		}
	case syntax.OpAlternate:
		emit(b, re.Sub[rng.IntN(len(re.Sub))], rng)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 2
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + 2
			}
		}
		n := lo
		if hi > lo {
			n += rng.IntN(hi - lo + 1)
		}
		for range n {
			emit(b, re.Sub[0], rng)
		}
	}
	// Anchors, word boundaries and empty matches produce nothing.
}

// fromClass picks a rune from a class's ranges, preferring letters and
// digits so the result reads as an identifier.
func fromClass(ranges []rune, rng *rand.Rand) rune {
	var nice []rune
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1] && r < 0x80 && len(nice) < 128; r++ {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				nice = append(nice, r)
			}
		}
	}
	if len(nice) > 0 {
		return nice[rng.IntN(len(nice))]
	}
	if len(ranges) >= 2 {
		return ranges[0]
	}
	return 'a'
}
