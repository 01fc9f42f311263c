package lolwut

import (
	"math"
	"strings"
)

// canvas is lwCanvas: a grid of pixels, each a color (0 or 1 for the
// braille drawings, 0 to 3 for the gray levels of version 6).
type canvas struct {
	width, height int
	pixels        []byte
}

func newCanvas(width, height int, bg byte) *canvas {
	c := &canvas{width: width, height: height, pixels: make([]byte, width*height)}
	for i := range c.pixels {
		c.pixels[i] = bg
	}
	return c
}

// drawPixel is lwDrawPixel: a pixel off the canvas is dropped.
func (c *canvas) drawPixel(x, y int, color byte) {
	if x < 0 || x >= c.width || y < 0 || y >= c.height {
		return
	}
	c.pixels[x+y*c.width] = color
}

// pixel is lwGetPixel: 0 off the canvas.
func (c *canvas) pixel(x, y int) byte {
	if x < 0 || x >= c.width || y < 0 || y >= c.height {
		return 0
	}
	return c.pixels[x+y*c.width]
}

// drawLine is lwDrawLine, Bresenham's.
func (c *canvas) drawLine(x1, y1, x2, y2 int, color byte) {
	dx, dy := abs(x2-x1), abs(y2-y1)
	sx, sy := -1, -1
	if x1 < x2 {
		sx = 1
	}
	if y1 < y2 {
		sy = 1
	}
	err := dx - dy
	for {
		c.drawPixel(x1, y1, color)
		if x1 == x2 && y1 == y2 {
			break
		}
		e2 := err * 2
		if e2 > -dy {
			err -= dy
			x1 += sx
		}
		if e2 < dx {
			err += dx
			y1 += sy
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// drawSquare is lwDrawSquare: a square centred on x,y, of side size,
// rotated by angle, its corners on a circle (float where C has float).
func (c *canvas) drawSquare(x, y int, size, angle float32, color byte) {
	size = float32(float64(size) / 1.4142135623)
	size = float32(math.Round(float64(size)))
	var px, py [4]int
	k := float32(math.Pi/4 + float64(angle))
	for j := range 4 {
		px[j] = int(math.Round(math.Sin(float64(k))*float64(size) + float64(x)))
		py[j] = int(math.Round(math.Cos(float64(k))*float64(size) + float64(y)))
		k = float32(float64(k) + math.Pi/2)
	}
	for j := range 4 {
		c.drawLine(px[j], py[j], px[(j+1)%4], py[(j+1)%4], color)
	}
}

// drawSchotter is lwDrawSchotter: squares_per_row × squares_per_col
// squares, rotated and moved more at random the lower their row.
func drawSchotter(consoleCols, squaresPerRow, squaresPerCol int) *canvas {
	width := consoleCols * 2
	padding := 0
	if width > 4 {
		padding = 2
	}
	side := float32(width-padding*2) / float32(squaresPerRow)
	height := int(side*float32(squaresPerCol) + float32(padding*2))
	c := newCanvas(width, height, 0)
	for y := range squaresPerCol {
		for x := range squaresPerRow {
			sx := int(float32(x)*side + side/2 + float32(padding))
			sy := int(float32(y)*side + side/2 + float32(padding))
			var angle float32
			if y > 1 {
				r := func() float32 {
					return float32(crand()) / float32(randMax) / float32(squaresPerCol) * float32(y)
				}
				r1, r2, r3 := r(), r(), r()
				if crand()%2 != 0 {
					r1 = -r1
				}
				if crand()%2 != 0 {
					r2 = -r2
				}
				if crand()%2 != 0 {
					r3 = -r3
				}
				angle = r1
				sx = int(float32(sx) + r2*side/3)
				sy = int(float32(sy) + r3*side/3)
			}
			c.drawSquare(sx, sy, side, angle, 1)
		}
	}
	return c
}

// renderBraille is lwRenderCanvas of lolwut5.c: each 2×4 pixels one
// braille character (U+2800 + the dots' bits), a newline after each row
// of characters except when the row starts on the canvas's last pixel
// row, as Redis's test (y != height-1) has it.
func (c *canvas) renderBraille() string {
	var b strings.Builder
	for y := 0; y < c.height; y += 4 {
		for x := 0; x < c.width; x += 2 {
			bits := 0
			for _, d := range [...]struct{ dx, dy, bit int }{
				{0, 0, 0}, {0, 1, 1}, {0, 2, 2}, {1, 0, 3}, {1, 1, 4}, {1, 2, 5}, {0, 3, 6}, {1, 3, 7},
			} {
				if c.pixel(x+d.dx, y+d.dy) != 0 {
					bits |= 1 << d.bit
				}
			}
			b.WriteRune(rune(0x2800 + bits))
		}
		if y != c.height-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
