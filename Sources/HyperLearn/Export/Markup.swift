/// Text made safe for HTML and SVG: every character that could open a tag, an entity or end an
/// attribute value is replaced by its entity, so labels from user data always show as plain text.
enum Markup {
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
