package lolwut

import "strings"

// skyscraper is lolwut6.c's: where it stands, its size, its color, and
// whether it has windows.
type skyscraper struct {
	xoff, width, height int
	windows             bool
	color               byte
}

// drawSkyscraper is generateSkyscraper: the roof two pixels narrower on
// each side, windows two pixels wide, one tall, of a random gray.
func (c *canvas) drawSkyscraper(si skyscraper) {
	starty := c.height - 1
	endy := starty - si.height + 1
	for y := starty; y >= endy; y-- {
		for x := si.xoff; x < si.xoff+si.width; x++ {
			if y == endy && (x <= si.xoff+1 || x >= si.xoff+si.width-2) {
				continue
			}
			color := si.color
			if si.windows && x > si.xoff+1 && x < si.xoff+si.width-2 && y > endy+1 && y < starty-1 {
				relx := x - (si.xoff + 1)
				rely := y - (endy + 1)
				if relx/2%2 != 0 && rely%2 != 0 {
					for {
						color = byte(1 + crand()%2)
						if color != si.color {
							break
						}
					}
					if relx%2 != 0 {
						color = c.pixel(x-1, y)
					}
				}
			}
			c.drawPixel(x, y, color)
		}
	}
}

// drawSkyline is generateSkyline: two rows of background skyscrapers, the
// lighter behind, then the black ones with windows in front.
func drawSkyline(c *canvas) {
	for color := byte(2); color >= 1; color-- {
		for offset := -10; offset < c.width; {
			offset += crand() % 8
			si := skyscraper{xoff: offset, width: 10 + crand()%9, color: color}
			if color == 2 {
				si.height = c.height/2 + crand()%c.height/2
			} else {
				si.height = c.height/2 + crand()%c.height/3
			}
			c.drawSkyscraper(si)
			if color == 2 {
				offset += si.width / 2
			} else {
				offset += si.width + 1
			}
		}
	}
	for offset := -10; offset < c.width; {
		offset += crand() % 8
		si := skyscraper{xoff: offset, width: 5 + crand()%14, windows: true}
		if si.width%4 != 0 {
			si.width += si.width % 3
		}
		si.height = c.height/3 + crand()%c.height/2
		c.drawSkyscraper(si)
		offset += si.width + 5
	}
}

// colorEscapes are the terminal colors of the four gray levels, both
// foreground and background.
var colorEscapes = [4]string{"0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"}

// renderColors is lolwut6.c's renderCanvas: each pixel a space in its
// color, rows separated by newlines.
func (c *canvas) renderColors() string {
	var b strings.Builder
	for y := range c.height {
		for x := range c.width {
			ce := colorEscapes[0]
			if p := c.pixel(x, y); int(p) < len(colorEscapes) {
				ce = colorEscapes[p]
			}
			b.WriteString("\033[" + ce + " \033[0m")
		}
		if y != c.height-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
