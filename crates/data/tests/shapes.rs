//! The procedural shapes: count and index layout, determinism, and that each factor does to the
//! image what it says.

use std::f64::consts::TAU;

use burn::data::dataset::Dataset;
use hsic_infogan_data::shapes::{Factor, Factors, SHAPES_LEN, SHAPES_SIZE, ShapesDataset};

fn factors(shape: usize, scale: usize, orientation: usize, pos_x: usize, pos_y: usize) -> Factors {
    Factors([shape, scale, orientation, pos_x, pos_y])
}

fn area(image: &[u8]) -> usize {
    image.iter().filter(|&&pixel| pixel == 255).count()
}

/// Mean column and row of the white pixels (pixel centres).
fn centroid(image: &[u8]) -> (f64, f64) {
    let (mut x, mut y, mut n) = (0.0, 0.0, 0.0);
    for (i, &pixel) in image.iter().enumerate() {
        if pixel == 255 {
            x += (i % SHAPES_SIZE) as f64 + 0.5;
            y += (i / SHAPES_SIZE) as f64 + 0.5;
            n += 1.0;
        }
    }
    (x / n, y / n)
}

/// Width and height of the white pixels' bounding box.
fn extent(image: &[u8]) -> (usize, usize) {
    let white: Vec<(usize, usize)> =
        (0..image.len()).filter(|&i| image[i] == 255).map(|i| (i % SHAPES_SIZE, i / SHAPES_SIZE)).collect();
    let span = |coord: fn(&(usize, usize)) -> usize| {
        white.iter().map(coord).max().unwrap() - white.iter().map(coord).min().unwrap() + 1
    };
    (span(|p| p.0), span(|p| p.1))
}

#[test]
fn there_are_737_280_images_indexed_with_pos_y_fastest() {
    assert_eq!(SHAPES_LEN, 737_280);
    assert_eq!(ShapesDataset.len(), SHAPES_LEN);
    assert_eq!(Factor::ALL.iter().map(|f| f.count()).product::<usize>(), SHAPES_LEN);
    assert_eq!(Factors::from_index(0), factors(0, 0, 0, 0, 0));
    assert_eq!(Factors::from_index(1), factors(0, 0, 0, 0, 1));
    assert_eq!(Factors::from_index(32), factors(0, 0, 0, 1, 0));
    assert_eq!(Factors::from_index(32 * 32), factors(0, 0, 1, 0, 0));
    assert_eq!(Factors::from_index(40 * 32 * 32), factors(0, 1, 0, 0, 0));
    assert_eq!(Factors::from_index(6 * 40 * 32 * 32), factors(1, 0, 0, 0, 0));
    assert_eq!(Factors::from_index(SHAPES_LEN - 1), factors(2, 5, 39, 31, 31));
    for index in (0..SHAPES_LEN).step_by(997) {
        assert_eq!(Factors::from_index(index).index(), index);
    }
}

#[test]
fn factor_values_span_the_documented_ranges() {
    let values = |factor: Factor| (0..factor.count()).map(|i| factor.value(i)).collect::<Vec<f64>>();
    assert_eq!(values(Factor::Shape), [0.0, 1.0, 2.0]);
    let scales = values(Factor::Scale);
    assert_eq!((scales[0], scales[5]), (0.5, 1.0));
    assert!((scales[1] - 0.6).abs() < 1e-12);
    let orientations = values(Factor::Orientation);
    assert_eq!((orientations.len(), orientations[0], orientations[39]), (40, 0.0, TAU));
    for factor in [Factor::PosX, Factor::PosY] {
        let positions = values(factor);
        assert_eq!((positions.len(), positions[0], positions[31]), (32, 0.0, 1.0));
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    }
    let f = factors(2, 5, 39, 31, 0).with(Factor::PosY, 3);
    assert_eq!(f.get(Factor::PosY), 3);
    assert_eq!(f.values(), [2.0, 1.0, TAU, 1.0, 3.0 / 31.0]);
}

#[test]
fn rendering_is_binary_visible_and_inside_the_image() {
    for index in (0..SHAPES_LEN).step_by(7919) {
        let f = Factors::from_index(index);
        let image = f.render();
        assert_eq!(image.len(), SHAPES_SIZE * SHAPES_SIZE);
        assert!(image.iter().all(|&p| p == 0 || p == 255), "{f:?}");
        assert!(area(&image) > 20, "{f:?} is visible");
        let border = (0..SHAPES_SIZE)
            .flat_map(|i| [i, (SHAPES_SIZE - 1) * SHAPES_SIZE + i, i * SHAPES_SIZE, i * SHAPES_SIZE + SHAPES_SIZE - 1]);
        assert!(border.into_iter().all(|i| image[i] == 0), "{f:?} touches the border");
    }
    let item = ShapesDataset.get(123_456).unwrap();
    let f = Factors::from_index(123_456);
    assert_eq!(item.pixels, f.render());
    assert_eq!(item.dims, [1, 64, 64]);
    assert_eq!(item.label, Some(f.get(Factor::Shape)));
    assert_eq!(item.factors.unwrap(), f.values().map(|v| v as f32));
}

#[test]
fn the_three_shapes_differ() {
    let [square, ellipse, heart] = [0, 1, 2].map(|shape| factors(shape, 5, 0, 16, 16).render());
    assert_ne!(square, ellipse);
    assert_ne!(ellipse, heart);
    assert_ne!(square, heart);
}

#[test]
fn area_grows_with_scale() {
    for shape in 0..3 {
        for orientation in [0, 5, 13, 27] {
            let areas: Vec<usize> =
                (0..6).map(|scale| area(&factors(shape, scale, orientation, 10, 20).render())).collect();
            assert!(
                areas.windows(2).all(|pair| pair[0] < pair[1]),
                "shape {shape} orientation {orientation}: {areas:?}"
            );
        }
    }
}

#[test]
fn orientation_0_and_2_pi_render_the_same() {
    for shape in 0..3 {
        for scale in 0..6 {
            for (x, y) in [(0, 0), (7, 30), (31, 31)] {
                let start = factors(shape, scale, 0, x, y).render();
                assert_eq!(start, factors(shape, scale, 39, x, y).render(), "shape {shape} scale {scale}");
                assert_ne!(start, factors(shape, scale, 5, x, y).render(), "shape {shape} turns");
            }
        }
    }
}

#[test]
fn orientation_turns_the_ellipse() {
    // Value 10 is 2π * 10/39, about 92 degrees: the long axis goes from horizontal to vertical.
    let (wide, tall) = extent(&factors(1, 5, 0, 16, 16).render());
    assert!(wide > tall + 5, "{wide} x {tall}");
    let (wide, tall) = extent(&factors(1, 5, 10, 16, 16).render());
    assert!(tall > wide + 5, "{wide} x {tall}");
}

#[test]
fn the_centroid_moves_monotonically_with_position() {
    for shape in 0..3 {
        for (scale, orientation) in [(0, 0), (3, 11), (5, 33)] {
            let along = |factor: Factor| -> Vec<(f64, f64)> {
                (0..32)
                    .map(|i| centroid(&factors(shape, scale, orientation, 16, 16).with(factor, i).render()))
                    .collect()
            };
            let moving_x = along(Factor::PosX);
            assert!(moving_x.windows(2).all(|p| p[0].0 < p[1].0), "x, shape {shape}: {moving_x:?}");
            assert!(moving_x.windows(2).all(|p| (p[0].1 - p[1].1).abs() < 0.5), "y stays, shape {shape}");
            let moving_y = along(Factor::PosY);
            assert!(moving_y.windows(2).all(|p| p[0].1 < p[1].1), "y, shape {shape}: {moving_y:?}");
            assert!(moving_y.windows(2).all(|p| (p[0].0 - p[1].0).abs() < 0.5), "x stays, shape {shape}");
            // The centre travels from 16 to 48 pixels; the centroid follows up to the shape's own offset.
            let travel = moving_x[31].0 - moving_x[0].0;
            assert!((travel - 32.0).abs() < 1.5, "shape {shape}: moved {travel}");
        }
    }
}
