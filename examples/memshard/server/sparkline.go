package server

import "strings"

// sparkline is Redis's sparkline.c: samples drawn as ASCII rows, for
// LATENCY GRAPH, with the quirks that make its output what it is.
type sparkline struct {
	values   []float64
	labels   []string
	min, max float64
	nlabels  int
}

const (
	sparkCharsetFill = "_o#" // charset_fill (LATENCY GRAPH fills)
	sparkMarginTop   = 1     // label_margin_top
)

// add is sparklineSequenceAddSample.
func (s *sparkline) add(v float64, label string) {
	if len(s.values) == 0 {
		s.min, s.max = v, v
	} else if v < s.min {
		s.min = v
	} else if v > s.max {
		s.max = v
	}
	s.values = append(s.values, v)
	s.labels = append(s.labels, label)
	if label != "" {
		s.nlabels++
	}
}

// render is sparklineRender with SPARKLINE_FILL: columns samples a block.
func (s *sparkline) render(b *strings.Builder, columns, rows int) {
	for j := 0; j < len(s.values); j += columns {
		if j != 0 {
			b.WriteString("\n")
		}
		s.renderRange(b, rows, j, min(len(s.values)-j, columns))
	}
}

// renderRange is sparklineRenderRange: rows of bars, a blank line, then
// the labels written downwards, one character a row.
func (s *sparkline) renderRange(b *strings.Builder, rows, offset, n int) {
	relmax := s.max - s.min
	if relmax == 0 {
		relmax = 1
	}
	steps := len(sparkCharsetFill) * rows
	chars := make([]byte, n)
	for row, loop := 0, true; loop; {
		loop = false
		for j := range chars {
			chars[j] = ' '
		}
		for j := range n {
			relval := s.values[j+offset] - s.min
			step := int(float64(int(relval*float64(steps))) / relmax) // (int)(relval*steps)/relmax
			step = min(max(step, 0), steps-1)
			if row < rows {
				loop = true
				switch idx := step - (rows-row-1)*len(sparkCharsetFill); {
				case idx >= 0 && idx < len(sparkCharsetFill):
					chars[j] = sparkCharsetFill[idx]
				case idx >= len(sparkCharsetFill):
					chars[j] = '|'
				}
				continue
			}
			if s.nlabels > 0 && row-rows < sparkMarginTop {
				loop = true
				break
			}
			if label := s.labels[j+offset]; label != "" {
				if at := row - rows - sparkMarginTop; len(label) > at {
					loop = true
					chars[j] = label[at]
				}
			}
		}
		if loop {
			row++
			b.Write(chars)
			b.WriteString("\n")
		}
	}
}
