// plot.h — the one small piece that draws pictures: it writes a gnuplot script beside the data,
// then starts gnuplot as a child process and sends it the script down a pipe.
//
// Teaches: a plot is just text. Each figure becomes NAME.gp in the example's out folder, reading
// the .dat files by relative path, so `cd out/EXAMPLE && gnuplot NAME.gp` redraws it after an edit.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ex {

// How pictures are shown. Auto picks Window when DISPLAY or WAYLAND_DISPLAY is set, otherwise
// Png, plus Dumb (ASCII art) when stdout is a terminal.
enum class PlotMode { Auto, Window, Png, Svg, Dumb, None };

// "auto", "window", "png", "svg", "dumb", "none" -> the mode; anything else throws
// std::invalid_argument naming the accepted words.
PlotMode parse_plot_mode(const std::string& text);
const char* plot_mode_name(PlotMode mode);

// `text` as a gnuplot single-quoted string: 'it''s' (a quote is doubled; nothing else is special,
// and the terminals are set `noenhanced`, so underscores and carets print as themselves).
std::string gp_quote(const std::string& text);

// One curve (or one `for [...]` family of curves) of a panel.
struct Series {
    std::string file;     // a .dat file in the out folder, e.g. "predictions_L20.dat"
    std::string columns;  // gnuplot `using` spec, e.g. "1:2"
    std::string title;    // legend text (escaped when written); empty: no legend entry
    std::string style = "linespoints";  // gnuplot `with` spec
    std::string loop;     // optional `for [...]` prefix, e.g. "for [d=0:7]"

    Series() = default;
    Series(std::string file_, std::string columns_, std::string title_, std::string style_ = "linespoints")
        : file(std::move(file_)), columns(std::move(columns_)), title(std::move(title_)), style(std::move(style_)) {}
};

// One set of axes. Heat maps are Series drawn `with boxxyerror ... fc palette`.
struct Panel {
    std::string title, xlabel, ylabel;
    std::vector<Series> series;
    bool log_y = false;
    std::string extra;  // further gnuplot `set` lines for this panel (ranges, palette, key)

    Panel() = default;
    Panel(std::string title_, std::string xlabel_, std::string ylabel_)
        : title(std::move(title_)), xlabel(std::move(xlabel_)), ylabel(std::move(ylabel_)) {}
};

// One picture: one panel, or several side by side (columns > 1) or stacked (columns == 1).
struct Figure {
    std::string name;           // file stem: NAME.gp, NAME.png, NAME.svg
    std::string title;          // multiplot title (several panels) — also the script's comment
    std::vector<Panel> panels;
    int columns = 1;            // panels per row
    int width = 900, height = 560;  // pixels, for png and svg
    bool ascii_friendly = true; // false for heat maps: the Dumb rendering is skipped

    Figure(std::string name_, std::string title_) : name(std::move(name_)), title(std::move(title_)) {}
};

// The gnuplot script that draws `figure`: chooses its terminal from the variable `mode`
// (png by default; gnuplot -e "mode='dumb'" NAME.gp for ASCII), then plots. `program` names the
// example that wrote it, for the header comment.
std::string gnuplot_script(const Figure& figure, const std::string& program);

// A heat map panel of a table with one row per position: the value columns
// first_column .. first_column+count-1 (1-based, gnuplot's numbering) are drawn as cells
// (x = dimension 0..count-1, y = the row number 0..rows-1), coloured blue (−limit) / white / red (+limit).
Panel heat_map(const std::string& title, const std::string& file, int first_column, int count,
               int rows, double limit, const std::string& xlabel, const std::string& ylabel);

class Plotter {
public:
    // `dir`: the out folder, where scripts and pictures go. `command`: the program that reads
    // gnuplot commands on its stdin; empty means $AG_GNUPLOT if set, else "gnuplot" (run with
    // -persist in window mode). Tests pass e.g. "cat >> file" to capture the commands.
    Plotter(PlotMode mode, std::string dir, std::string program, std::string command = "");

    // Writes dir/NAME.gp, then has gnuplot draw it in each resolved mode. A missing or failing
    // gnuplot prints one line on stderr (how to install it) and later figures are not tried;
    // it never throws for that and never ends the program.
    void draw(const Figure& figure);

    // The concrete renderings chosen for this run (Auto resolved); empty for None.
    const std::vector<PlotMode>& renders() const { return renders_; }
    bool gnuplot_failed() const { return failed_; }
    // One closing line: where the data and scripts are, and the pictures drawn.
    void print_summary() const;
    // Paths of the picture files drawn so far (png/svg), for the closing summary.
    const std::vector<std::string>& pictures() const { return pictures_; }

private:
    void send(const Figure& figure, const std::string& script);

    std::vector<PlotMode> renders_;
    std::string dir_, program_, command_;
    bool default_command_ = false;
    bool failed_ = false;
    std::vector<std::string> pictures_;
};

}  // namespace ex
