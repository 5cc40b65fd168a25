//! Two interpretable factors of a digit image (intensities in [0, 1], row-major, y down), which
//! the continuous codes are correlated with.

/// Slant in degrees: the angle of the image's main axis from the vertical, positive when the
/// top leans right, in (-90, 90].
///
/// From the intensity-weighted central second moments mu20 = sum I (x - x̄)^2,
/// mu02 = sum I (y - ȳ)^2 and mu11 = sum I (x - x̄)(y - ȳ): with u = -y pointing up, the
/// principal axis makes the angle `0.5 atan2(2 cov(x, u), var(u) - var(x))
/// = 0.5 atan2(-2 mu11, mu02 - mu20)` with the u axis. A blank image has slant 0.
pub fn slant(image: &[f32], width: usize) -> f64 {
    let pixels = || image.iter().enumerate().map(|(i, &v)| ((i % width) as f64, (i / width) as f64, f64::from(v)));
    let mass: f64 = pixels().map(|(_, _, v)| v).sum();
    if mass <= 0.0 {
        return 0.0;
    }
    let (cx, cy) = pixels().fold((0.0, 0.0), |(sx, sy), (x, y, v)| (sx + v * x, sy + v * y));
    let (cx, cy) = (cx / mass, cy / mass);
    let (mut mu20, mut mu02, mut mu11) = (0.0, 0.0, 0.0);
    for (x, y, v) in pixels() {
        mu20 += v * (x - cx) * (x - cx);
        mu02 += v * (y - cy) * (y - cy);
        mu11 += v * (x - cx) * (y - cy);
    }
    0.5 * (-2.0 * mu11).atan2(mu02 - mu20).to_degrees()
}

/// Intensity level that separates ink from background.
const LEVEL: f64 = 0.5;

/// Stroke thickness in pixels: `2 x area / perimeter`, the width of a long stroke (area ~
/// width x length, perimeter ~ 2 x length; the ends make it read a little thin, by a factor
/// length / (length + width)). Area is the total ink (sum of intensities); perimeter is the
/// length of the 0.5 iso-contour, traced by marching squares with linear interpolation, so it
/// does not depend on the stroke's direction the way a count of boundary pixels would.
/// A blank image has thickness 0.
pub fn thickness(image: &[f32], width: usize) -> f64 {
    let perimeter = contour_length(image, width);
    if perimeter == 0.0 {
        return 0.0;
    }
    2.0 * image.iter().map(|&v| f64::from(v)).sum::<f64>() / perimeter
}

/// Length of the [`LEVEL`] iso-contour of the image, padded with a zero border so that every
/// contour closes.
fn contour_length(image: &[f32], width: usize) -> f64 {
    let height = image.len() / width;
    let at = |x: isize, y: isize| -> f64 {
        if x < 0 || y < 0 || x >= width as isize || y >= height as isize {
            0.0
        } else {
            f64::from(image[y as usize * width + x as usize])
        }
    };
    let mut length = 0.0;
    for y in -1..height as isize {
        for x in -1..width as isize {
            // Cell corners clockwise from the top left; a crossing on each edge whose ends
            // lie on both sides of LEVEL, in that order around the cell.
            let corners = [(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1)];
            let values = corners.map(|(cx, cy)| at(cx, cy));
            let mut crossings = Vec::with_capacity(4);
            for edge in 0..4 {
                let (a, b) = (values[edge], values[(edge + 1) % 4]);
                if (a >= LEVEL) != (b >= LEVEL) {
                    let t = (LEVEL - a) / (b - a);
                    let ((ax, ay), (bx, by)) = (corners[edge], corners[(edge + 1) % 4]);
                    crossings.push((ax as f64 + t * (bx - ax) as f64, ay as f64 + t * (by - ay) as f64));
                }
            }
            let dist = |p: (f64, f64), q: (f64, f64)| ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
            length += match crossings.len() {
                2 => dist(crossings[0], crossings[1]),
                // A saddle: join the crossings so that the ink between them stays connected
                // when the cell's mean is ink.
                4 => {
                    let ink_centre = values.iter().sum::<f64>() / 4.0 >= LEVEL;
                    let top_left_ink = values[0] >= LEVEL;
                    if ink_centre == top_left_ink {
                        dist(crossings[0], crossings[1]) + dist(crossings[2], crossings[3])
                    } else {
                        dist(crossings[3], crossings[0]) + dist(crossings[1], crossings[2])
                    }
                }
                _ => 0.0,
            };
        }
    }
    length
}

#[cfg(test)]
/// A 28x28 image of a straight stroke through the centre: `length` long, `width` wide,
/// `angle` degrees from the vertical (top leaning right), anti-aliased by 4x4 supersampling.
pub(crate) fn stroke(angle: f64, length: f64, width: f64) -> Vec<f32> {
    let (sin, cos) = angle.to_radians().sin_cos();
    let mut image = vec![0.0f32; 28 * 28];
    for (i, pixel) in image.iter_mut().enumerate() {
        let mut covered = 0;
        for s in 0..16 {
            let x = (i % 28) as f64 + (s % 4) as f64 / 4.0 + 0.125 - 13.5;
            let y = 13.5 - ((i / 28) as f64 + (s / 4) as f64 / 4.0 + 0.125);
            let along = x * sin + y * cos;
            let across = x * cos - y * sin;
            if along.abs() <= length / 2.0 && across.abs() <= width / 2.0 {
                covered += 1;
            }
        }
        *pixel = covered as f32 / 16.0;
    }
    image
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slant_recovers_the_angle_of_rotated_strokes() {
        for angle in [-40.0, -25.0, -10.0, 0.0, 5.0, 15.0, 30.0, 45.0] {
            let measured = slant(&stroke(angle, 20.0, 2.5), 28);
            assert!((measured - angle).abs() < 1.0, "stroke at {angle} degrees measured {measured}");
        }
    }

    #[test]
    fn slant_of_a_mirrored_image_flips_sign() {
        let image = stroke(20.0, 18.0, 3.0);
        let mirrored: Vec<f32> = (0..28 * 28).map(|i| image[(i / 28) * 28 + 27 - i % 28]).collect();
        assert!((slant(&image, 28) + slant(&mirrored, 28)).abs() < 1e-9);
    }

    #[test]
    fn thickness_follows_stroke_width_whatever_the_angle() {
        let length = 20.0;
        for width in [1.5, 2.5, 3.5, 5.0] {
            let expected = width * length / (length + width);
            for angle in [0.0, 20.0, 45.0, -70.0] {
                let measured = thickness(&stroke(angle, length, width), 28);
                assert!(
                    (measured - expected).abs() < 0.12 * expected,
                    "width {width} at {angle} degrees measured {measured}, expected {expected:.2}"
                );
            }
        }
    }

    #[test]
    fn a_square_contour_has_its_perimeter() {
        // A 6x6 block of ink: the 0.5 contour runs half a pixel outside the pixel centres
        // (0.5 between 1 and 0), a 6x6 square with its corners cut by the interpolation.
        let image: Vec<f32> = (0..28 * 28)
            .map(|i| if (10..16).contains(&(i % 28)) && (10..16).contains(&(i / 28)) { 1.0 } else { 0.0 })
            .collect();
        let length = contour_length(&image, 28);
        let expected = 4.0 * 5.0 + 4.0 * 0.5f64.hypot(0.5);
        assert!((length - expected).abs() < 1e-9, "{length} vs {expected}");
        assert_eq!(thickness(&vec![0.0; 784], 28), 0.0);
        assert_eq!(slant(&vec![0.0; 784], 28), 0.0);
    }
}
