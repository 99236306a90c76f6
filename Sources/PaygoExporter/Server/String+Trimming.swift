/// Header parsing trims only what HTTP allows around tokens, not every Unicode space.
extension String {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
